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
    /// <summary>Stopped by SIGINT (Ctrl-C) or SIGTERM: 128 + SIGINT's number, the shell's convention for Ctrl-C.</summary>
    public const int Interrupted = 130;
}

/// <summary>
/// The <c>actorgic</c> command line. Bad input never shows a stack trace: one line on standard
/// error naming the argument or HOCON path and what is wrong, exit code 2. A command stopped by
/// <paramref name="interruption"/> (SIGINT, SIGTERM) says so in one line and exits 130.
/// </summary>
public static class ActorGicCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error, Interruption? interruption = null)
    {
        var root = new RootCommand("ActorGic: an executable model of GICv3 SGIs and Linux arm64 IPIs.");
        root.Subcommands.Add(RunCommand.Build(output, error));
        root.Subcommands.Add(SgiCommand.Build(output));
        root.Subcommands.Add(CompareCommand.Build(output));
        root.Subcommands.Add(TraceCommand.Build(output, error));
        root.Subcommands.Add(PlotCommand.Build(output));
        root.Subcommands.Add(BenchCommand.Build(output));
        root.Subcommands.Add(NodeCommand.Build(output, error));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            error.WriteLine($"actorgic: {Readable(parsed.Errors.Select(e => e.Message).ToList(), args)}");
            return ExitCode.BadInput;
        }
        try
        {
            // The actions get interruption's token; System.CommandLine's own signal handling stays off.
            var configuration = new InvocationConfiguration
            {
                Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
            };
            return parsed.InvokeAsync(configuration, interruption?.Token ?? CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException e) when (interruption is { Token.IsCancellationRequested: true })
        {
            // Outputs are moved into place only at the end of a command: an interrupted one wrote none.
            error.WriteLine($"actorgic: interrupted by {interruption.Cause}: {Describe(e)}");
            return ExitCode.Interrupted;
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

    /// <summary>An engine's interruption names the virtual time reached, a worker's its node; a bare cancellation says "stopped".</summary>
    private static string Describe(OperationCanceledException e) =>
        e.Message == new OperationCanceledException().Message || e.Message == new TaskCanceledException().Message
            ? "stopped"
            : e.Message.ReplaceLineEndings(" ");

    /// <summary>
    /// System.CommandLine's first error, as a user reads it: a number that did not parse names its
    /// option and the value (not System.Int32); an unknown command names itself and the commands.
    /// </summary>
    internal static string Readable(IReadOnlyList<string> errors, string[] args)
    {
        var unknown = errors.Select(e => System.Text.RegularExpressions.Regex.Match(e, "^Unrecognized command or argument '(.*)'\\.$"))
            .FirstOrDefault(m => m.Success);
        if (args.Length > 0 && !args[0].StartsWith('-') && unknown is not null && unknown.Groups[1].Value == args[0])
            return $"unknown command \"{args[0]}\" (commands: run, trace, sgi, bench, node; actorgic --help lists them)";
        var first = errors[0];
        var number = System.Text.RegularExpressions.Regex.Match(first, "^Cannot parse argument '(.*)' for option '(.*)' as expected type 'System\\.(Int32|Int64|Double)'\\.$");
        if (number.Success)
            return $"{number.Groups[2].Value}: expected {(number.Groups[3].Value == "Double" ? "a number" : "a whole number")}, not \"{number.Groups[1].Value}\"";
        if (first == "Required command was not provided." && args.Length == 0)
            return "no command given (commands: run, trace, sgi, bench, node; actorgic --help lists them)";
        return first;
    }
}
