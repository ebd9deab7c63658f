using ActorGic.Cli;

namespace ActorGic.Cli.Tests;

/// <summary>Runs the actorgic command in-process and captures what it prints.</summary>
internal static class CliRunner
{
    public static (int Exit, string Out, string Err) Run(params string[] args) => Run(null, args);

    /// <summary>Runs with an <see cref="Interruption"/> the test triggers (as SIGINT or SIGTERM would).</summary>
    public static (int Exit, string Out, string Err) Run(Interruption? interruption, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = ActorGicCommand.Run(args, output, error, interruption);
        return (exit, output.ToString(), error.ToString());
    }

    public static string[] Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
