using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ActorGic.Engine;
using ActorGic.Scenarios;

namespace ActorGic.Actors;

/// <summary>A worker asks to take part: the hash of everything that decides a run's result on it (<see cref="ClusterHandshake.ConfigHash"/>).</summary>
public sealed record JoinRun(string ConfigHash) : IActorGicMessage;

/// <summary>The coordinator refuses a worker (a different build or configuration, or the run is full).</summary>
public sealed record JoinRefused(string Reason) : IActorGicMessage;

/// <summary>
/// The coordinator gives a worker its node index and the scenario: <see cref="ScenarioText"/> is
/// <see cref="ScenarioSources.Pack"/> of every file the coordinator read (the main file and its
/// includes), which the worker loads from alone; <see cref="Directory"/> is where the coordinator
/// read it, for messages only; <see cref="ScenarioHash"/> covers the text and the seed.
/// </summary>
public sealed record AssignNode(int Node, int Nodes, string ScenarioText, string ScenarioName, string Directory, long Seed, string ScenarioHash)
    : IActorGicMessage;

/// <summary>A worker built its components and its node keeper (at /user/worker/node-keeper).</summary>
public sealed record NodeReady(int Node) : IActorGicMessage;

/// <summary>The coordinator asks a worker for its components' facts and leftover events after the run.</summary>
public sealed record GetNodeFacts : IActorGicMessage
{
    public static readonly GetNodeFacts Instance = new();
}

/// <summary>A worker's facts (<see cref="RunFacts.ToBytes"/>), the events its components and keeper still held, and its peak working set.</summary>
public sealed record NodeFacts(int Node, byte[] Facts, SimEvent[] Remaining, long PeakBytes = 0, bool More = false) : IActorGicMessage;

/// <summary>
/// What a clustered run cost: wall time from the cluster's opening until every node was ready (the
/// coordinator's own build, <paramref name="BuildSeconds"/>, runs inside it, alongside the
/// workers'), to run, to collect; peak memory per node; windows.
/// </summary>
public sealed record ClusterCost(double ReadySeconds, double RunSeconds, double CollectSeconds, long[] PeakBytes, long Windows, long RemoteMessages,
    double BuildSeconds = 0)
{
    /// <summary>The root keeper's account of the run's windows (<see cref="WindowClock"/>).</summary>
    public WindowClock? Clock { get; init; }

    /// <summary>Wall seconds from the call to the coordinator's system listening (the phases' clock starts there).</summary>
    public double StartSeconds { get; init; }

    /// <summary>
    /// Wall seconds from the results' arrival to the coordinator's system stopped (the workers told,
    /// every actor stopped): read it once <see cref="Stopped"/> has completed.
    /// </summary>
    public double ShutdownSeconds { get; set; }

    /// <summary>
    /// The coordinator's system stopping: <see cref="ProcessCluster.Coordinate(ActorGic.Engine.Scenario, ActorGic.Scenarios.ScenarioSources, int, int, Action{long}?, TextWriter?, out ClusterCost, TimeSpan?, ActorGic.Engine.RunBounds?)"/>
    /// returns once the results are in and lets its tens of thousands of actors stop while the
    /// caller builds the report; wait for it (bounded) before the process ends.
    /// </summary>
    public Task Stopped { get; set; } = Task.CompletedTask;
}

/// <summary>The run is over: the worker shuts down.</summary>
public sealed record EndRun : IActorGicMessage
{
    public static readonly EndRun Instance = new();
}

/// <summary>An assembly as the handshake sees it: its name, its build (MVID) and every resource embedded in it.</summary>
public sealed record AssemblyStamp(string Name, Guid Mvid, IReadOnlyList<(string Name, byte[] Bytes)> Resources)
{
    public static AssemblyStamp Of(Assembly assembly) => new(
        assembly.GetName().Name ?? assembly.FullName ?? "?",
        assembly.ManifestModule.ModuleVersionId,
        assembly.GetManifestResourceNames().Order(StringComparer.Ordinal).Select(n => (n, Read(assembly, n))).ToArray());

    private static byte[] Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>
/// What a worker must share with its coordinator to take part in a run: every assembly that
/// decides a run's result (the GIC model, the kernel profiles, the engine and its components,
/// the actor engine, the scenario loader), each by its build identity (MVID, new whenever its
/// code changes) and the configuration embedded in it (Akka's and the engine's settings, the
/// scenario defaults). A worker with any of them different is refused.
/// </summary>
public static class ClusterHandshake
{
    /// <summary>The model assemblies: Gic, Kernel, Engine, Actors, Scenarios.</summary>
    public static IReadOnlyList<Assembly> ModelAssemblies { get; } =
    [
        typeof(ActorGic.Gic.Topology).Assembly,
        typeof(ActorGic.Kernel.KernelProfile).Assembly,
        typeof(Simulation).Assembly,
        typeof(ClusterHandshake).Assembly,
        typeof(ScenarioLoader).Assembly,
    ];

    /// <summary>This process's hash: what <see cref="JoinRun"/> carries and the coordinator compares.</summary>
    public static string ConfigHash { get; } = Hash(ModelAssemblies.Select(AssemblyStamp.Of));

    /// <summary>A hash of the stamps, in name order: any name, MVID, resource name or resource byte changes it.</summary>
    public static string Hash(IEnumerable<AssemblyStamp> stamps)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Put(byte[] bytes)
        {
            sha.AppendData(BitConverter.GetBytes(bytes.Length));
            sha.AppendData(bytes);
        }
        foreach (var stamp in stamps.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            Put(Encoding.UTF8.GetBytes(stamp.Name));
            Put(stamp.Mvid.ToByteArray());
            sha.AppendData(BitConverter.GetBytes(stamp.Resources.Count));
            foreach (var (name, bytes) in stamp.Resources)
            {
                Put(Encoding.UTF8.GetBytes(name));
                Put(bytes);
            }
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    /// <summary>A short hash of text parts (the scenario's, with its seed).</summary>
    public static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n\u0001", parts))))[..16];
}
