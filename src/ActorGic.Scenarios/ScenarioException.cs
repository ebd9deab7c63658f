namespace ActorGic.Scenarios;

/// <summary>
/// Bad input: names the HOCON path (or command-line argument) and what is wrong with it, in one
/// line. The command line prints <see cref="Exception.Message"/> and exits with code 2. Akka
/// lets a key run across lines (a key, a line break, more key, then <c>= 1</c>), so a line break
/// in the message is written as the two characters <c>\n</c>.
/// </summary>
public sealed class ScenarioException(string path, string reason)
    : Exception((string.IsNullOrEmpty(path) ? reason : $"{path}: {reason}").ReplaceLineEndings("\\n"))
{
    public string Path { get; } = path;
    public string Reason { get; } = reason;
}
