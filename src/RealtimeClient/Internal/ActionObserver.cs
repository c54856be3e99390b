namespace RealtimeClient.Internal;

/// <summary>An observer from delegates, without pulling Rx's extension methods into the hot paths.</summary>
internal sealed class ActionObserver<T>(Action<T> onNext, Action? onCompleted = null) : IObserver<T>
{
    public void OnNext(T value) => onNext(value);

    public void OnError(Exception error)
    {
    }

    public void OnCompleted() => onCompleted?.Invoke();
}
