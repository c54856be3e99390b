namespace RealtimeClient.InteropTests.Peers;

// One xunit collection per peer: the peer starts once per test run and is shared by every test class of its collection
// ([Collection(NodeWsPeer.Collection)]). The tests of one collection run one at a time (a kill and restart cannot
// disturb another test); the four collections run side by side.

[CollectionDefinition(NodeWsPeer.Collection)]
public sealed class NodeWsPeerCollection : ICollectionFixture<NodeWsPeer>;

[CollectionDefinition(PythonPeer.Collection)]
public sealed class PythonPeerCollection : ICollectionFixture<PythonPeer>;

[CollectionDefinition(KestrelWebSocketsPeer.Collection)]
public sealed class KestrelWebSocketsPeerCollection : ICollectionFixture<KestrelWebSocketsPeer>;

[CollectionDefinition(NginxProxyPeer.Collection)]
public sealed class NginxProxyPeerCollection : ICollectionFixture<NginxProxyPeer>;
