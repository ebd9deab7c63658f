namespace ActorGic.Scenarios;

/// <summary>
/// Bad input: names the HOCON path (or command-line argument) and what is wrong with it, in one
/// line. The command line prints <see cref="Exception.Message"/> and exits with code 2.
/// </summary>
public sealed class ScenarioException(string path, string reason)
    : Exception(string.IsNullOrEmpty(path) ? reason : $"{path}: {reason}")
{
    public string Path { get; } = path;
    public string Reason { get; } = reason;
}
