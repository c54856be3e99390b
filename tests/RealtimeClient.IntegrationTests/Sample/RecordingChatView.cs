using ConsoleChat.View;
using RealtimeClient.Tests.TestKit;

namespace RealtimeClient.IntegrationTests.Sample;

/// <summary>A chat view that records every line, for tests of the chat logic; a test awaits the line it expects.</summary>
internal sealed class RecordingChatView : IChatView
{
    private readonly Recorder<ChatLine> _recorder;
    private readonly System.Reactive.Subjects.ReplaySubject<ChatLine> _lines = new();

    public RecordingChatView() => _recorder = new Recorder<ChatLine>(_lines);

    /// <summary>Every line shown so far, as plain text.</summary>
    public IReadOnlyList<string> Lines => [.. _recorder.Values.Select(l => l.Plain)];

    public void Show(ChatLine line) => _lines.OnNext(line);

    public void ShowStatus(ChatStatus status)
    {
    }

    /// <summary>The first line (shown already or still to come) with this plain text.</summary>
    public Task<ChatLine> WaitForAsync(string plain) => _recorder.FirstAsync(l => l.Plain == plain);

    public void Dispose()
    {
        _recorder.Dispose();
        _lines.Dispose();
    }
}
