using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.Scenarios;

// Every scenario group, bound to each peer that has what the group needs (ScenarioGroupAttribute.Requires): one line per
// peer, in the peer's collection, so the peer starts once and its scenarios run one at a time. A peer a group is not bound
// to shows n/a in the matrix, with the reason from the peer's Limitations.

[Collection(NodeWsPeer.Collection)]
public sealed class NodeWsMessages(NodeWsPeer peer) : MessageScenarios(peer);

[Collection(PythonPeer.Collection)]
public sealed class PythonMessages(PythonPeer peer) : MessageScenarios(peer);

[Collection(KestrelWebSocketsPeer.Collection)]
public sealed class KestrelMessages(KestrelWebSocketsPeer peer) : MessageScenarios(peer);

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxMessages(NginxProxyPeer peer) : MessageScenarios(peer);

[Collection(NodeWsPeer.Collection)]
public sealed class NodeWsInboundLimit(NodeWsPeer peer) : LimitScenarios(peer);

[Collection(PythonPeer.Collection)]
public sealed class PythonInboundLimit(PythonPeer peer) : LimitScenarios(peer);

[Collection(KestrelWebSocketsPeer.Collection)]
public sealed class KestrelInboundLimit(KestrelWebSocketsPeer peer) : LimitScenarios(peer);

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxInboundLimit(NginxProxyPeer peer) : LimitScenarios(peer);

[Collection(NodeWsPeer.Collection)]
public sealed class NodeWsEndings(NodeWsPeer peer) : EndingScenarios(peer);

[Collection(PythonPeer.Collection)]
public sealed class PythonEndings(PythonPeer peer) : EndingScenarios(peer);

[Collection(KestrelWebSocketsPeer.Collection)]
public sealed class KestrelEndings(KestrelWebSocketsPeer peer) : EndingScenarios(peer);

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxEndings(NginxProxyPeer peer) : EndingScenarios(peer);

[Collection(NodeWsPeer.Collection)]
public sealed class NodeWsDelivery(NodeWsPeer peer) : DeliveryScenarios(peer);

[Collection(PythonPeer.Collection)]
public sealed class PythonDelivery(PythonPeer peer) : DeliveryScenarios(peer);

[Collection(KestrelWebSocketsPeer.Collection)]
public sealed class KestrelDelivery(KestrelWebSocketsPeer peer) : DeliveryScenarios(peer);

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxDelivery(NginxProxyPeer peer) : DeliveryScenarios(peer);

[Collection(NodeWsPeer.Collection)]
public sealed class NodeWsHandshake(NodeWsPeer peer) : HandshakeScenarios(peer);

[Collection(PythonPeer.Collection)]
public sealed class PythonHandshake(PythonPeer peer) : HandshakeScenarios(peer);

[Collection(KestrelWebSocketsPeer.Collection)]
public sealed class KestrelHandshake(KestrelWebSocketsPeer peer) : HandshakeScenarios(peer);

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxHandshake(NginxProxyPeer peer) : HandshakeScenarios(peer);

// Liveness needs a silent socket that stays open: not nginx-node, whose proxy cuts it after 4 s.

[Collection(NodeWsPeer.Collection)]
public sealed class NodeWsLiveness(NodeWsPeer peer) : LivenessScenarios(peer);

[Collection(PythonPeer.Collection)]
public sealed class PythonLiveness(PythonPeer peer) : LivenessScenarios(peer);

[Collection(KestrelWebSocketsPeer.Collection)]
public sealed class KestrelLiveness(KestrelWebSocketsPeer peer) : LivenessScenarios(peer);

// TLS and the proxy read timeout: only nginx-node has them.

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxTls(NginxProxyPeer peer) : TlsScenarios(peer);

[Collection(NginxProxyPeer.Collection)]
public sealed class NginxProxyReadTimeout(NginxProxyPeer peer) : ProxyScenarios(peer);
