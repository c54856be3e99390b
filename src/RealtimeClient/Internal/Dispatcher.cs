namespace RealtimeClient.Internal;

// STUB: owned by the codec/dispatcher helper, who replaces this file.
internal sealed class Dispatcher
{
}
