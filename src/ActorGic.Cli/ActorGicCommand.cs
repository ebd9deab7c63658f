using ActorGic.Actors;
using ActorGic.Engine;
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
        root.Subcommands.Add(RunCommand.Build(output, error));
        root.Subcommands.Add(SgiCommand.Build(output));
        root.Subcommands.Add(TraceCommand.Build(output, error));
        root.Subcommands.Add(BenchCommand.Build(output));
        root.Subcommands.Add(NodeCommand.Build(output, error));
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
        catch (OutputException e)
        {
            error.WriteLine($"actorgic: {e.Message}");
            return ExitCode.Incomplete;
        }
        catch (RunAbortedException e)
        {
            error.WriteLine($"actorgic: the run could not finish: {e.Message}");
            return ExitCode.Incomplete;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("ACTORGIC_DEBUG") is null)
        {
            // Not the user's fault: say so in one line; ACTORGIC_DEBUG=1 shows the stack trace.
            error.WriteLine($"actorgic: internal error, the run could not finish: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
            return ExitCode.Incomplete;
        }
    }
}
