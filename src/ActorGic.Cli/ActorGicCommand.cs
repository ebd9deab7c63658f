using System.CommandLine;
using ActorGic.Scenarios;

namespace ActorGic.Cli;

/// <summary>Exit codes of the contract (SCENARIOS.md section 1).</summary>
public static class ExitCode
{
    public const int Ok = 0;
    public const int InvariantViolation = 1;
    public const int BadInput = 2;
    public const int Incomplete = 3;
}

/// <summary>
/// The <c>actorgic</c> command line. Bad input never shows a stack trace: one line on standard
/// error naming the argument or HOCON path and what is wrong, exit code 2.
/// </summary>
public static class ActorGicCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("ActorGic: an executable model of GICv3 SGIs and Linux arm64 IPIs.");
        root.Subcommands.Add(RunCommand.Build(output));
        root.Subcommands.Add(SgiCommand.Build(output));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"actorgic: {parsed.Errors[0].Message}");
            return ExitCode.BadInput;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (ScenarioException e)
        {
            error.WriteLine($"actorgic: {e.Message}");
            return ExitCode.BadInput;
        }
    }
}
