namespace RealtimeClient.InteropTests.Client;

/// <summary>An exception and its inner exceptions, outermost first: ClientWebSocket puts the cause inside.</summary>
public static class ExceptionChain
{
    public static IEnumerable<Exception> Of(Exception? error)
    {
        for (; error is not null; error = error.InnerException)
        {
            yield return error;
        }
    }
}
