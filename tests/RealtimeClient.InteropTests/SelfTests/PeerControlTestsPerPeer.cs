using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.SelfTests;

// The self-tests of PeerControlTests, once per peer: each class joins its peer's collection and gets its fixture.

[Collection(NodeWsPeer.Collection)]
public sealed class NodeWsControlTests(NodeWsPeer peer) : PeerControlTests(peer);

[Collection(PythonPeer.Collection)]
public sealed class PythonControlTests(PythonPeer peer) : PeerControlTests(peer);

[Collection(KestrelWebSocketsPeer.Collection)]
public sealed class KestrelControlTests(KestrelWebSocketsPeer peer) : PeerControlTests(peer);

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxControlTests(NginxProxyPeer peer) : PeerControlTests(peer);
