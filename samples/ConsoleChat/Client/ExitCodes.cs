namespace ConsoleChat.Client;

/// <summary>How the sample exits (also listed in its usage text).</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Undelivered = 2;
    public const int Kicked = 3;
    public const int AuthFailed = 4;
    public const int Closed = 5;
    public const int PortInUse = 6;
    public const int OutboxFailed = 7;
    public const int BadArguments = 64;
    public const int Interrupted = 130;
}
