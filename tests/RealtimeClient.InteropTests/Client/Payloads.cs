namespace RealtimeClient.InteropTests.Client;

/// <summary>The payloads of <c>ctl:send-text</c> and <c>ctl:send-binary</c>, as tests/interop/README.md defines them.</summary>
public static class Payloads
{
    /// <summary>ASCII letters: byte i is 'a' + i % 26.</summary>
    public static byte[] Text(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)('a' + (i % 26));
        }

        return bytes;
    }

    /// <summary>Byte i is i % 251 (a prime, so a shifted or repeated chunk does not line up by chance).</summary>
    public static byte[] Binary(int size)
    {
        var bytes = new byte[size];
        for (var i = 0; i < size; i++)
        {
            bytes[i] = (byte)(i % 251);
        }

        return bytes;
    }
}
