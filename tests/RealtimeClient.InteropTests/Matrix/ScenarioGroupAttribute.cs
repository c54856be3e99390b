using RealtimeClient.InteropTests.Peers;

namespace RealtimeClient.InteropTests.Matrix;

/// <summary>
/// Marks an abstract class of scenarios as one group of rows of the interop matrix. The class is written once and bound
/// to every peer that has what <see cref="Requires"/> names by a one-line class in that peer's collection
/// (<c>Scenarios/ScenariosPerPeer.cs</c>); for a peer that lacks it, the matrix shows n/a with the reason the peer gives
/// (<see cref="InteropPeer.Limitations"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ScenarioGroupAttribute(string name, int order) : Attribute
{
    /// <summary>The group's heading in the matrix.</summary>
    public string Name { get; } = name;

    /// <summary>Where the group comes in the matrix (lower first).</summary>
    public int Order { get; } = order;

    /// <summary>What every scenario of the group needs from a peer beyond the echo and the controls (default: nothing).</summary>
    public PeerCapability[] Requires { get; init; } = [];
}
