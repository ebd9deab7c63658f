namespace ActorGic.Engine;

/// <summary>
/// The run could not finish: a node was lost or stopped making progress, or a component or
/// keeper failed (an internal error, such as an event that would move a component's time
/// backwards). <see cref="ReachedNs"/> is the virtual time it got to; the message is the one line
/// the user sees.
/// </summary>
public sealed class RunAbortedException(long reachedNs, string message) : Exception(message)
{
    public long ReachedNs { get; } = reachedNs;

    /// <summary>A component's handler threw: name the component, its virtual time and the cause.</summary>
    public static RunAbortedException ComponentFailed(Component component, Exception cause) =>
        cause as RunAbortedException ?? new RunAbortedException(component.Now,
            $"{component.Name} failed at t={component.Now} ns: {Describe(cause)}");

    /// <summary>A keeper (the actor engine's time keeping) threw.</summary>
    public static RunAbortedException KeeperFailed(string keeper, long reachedNs, Exception cause) =>
        cause as RunAbortedException ?? new RunAbortedException(reachedNs, $"{keeper} failed at t={reachedNs} ns: {Describe(cause)}");

    /// <summary>The engine's own checks throw InvalidOperationException with a whole sentence; anything else names its type.</summary>
    private static string Describe(Exception e) =>
        (e is InvalidOperationException ? e.Message : $"{e.GetType().Name}: {e.Message}").ReplaceLineEndings(" ");
}
