using Microsoft.Extensions.Options;

namespace RealtimeClient.Hosting.Internal;

/// <summary>
/// Checks a registered connection's options with the library's own rules (<see cref="RealtimeOptions.GetValidationErrors"/>),
/// so that <c>ValidateOnStart</c> fails the host's start with every problem, each naming the connection, the configuration
/// section, the option and its value.
/// </summary>
internal sealed class ConnectionSettingsValidator : IValidateOptions<ConnectionSettings>
{
    public ValidateOptionsResult Validate(string? name, ConnectionSettings options)
    {
        var errors = options.Options.GetValidationErrors();
        if (errors.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        var connection = string.IsNullOrEmpty(name) ? "The default RealtimeClient connection" : $"RealtimeClient connection '{name}'";
        var section = options.SectionPath is null ? string.Empty : $" (configuration section '{options.SectionPath}')";
        return ValidateOptionsResult.Fail(errors.Select(error => $"{connection}{section}: {error}"));
    }
}
