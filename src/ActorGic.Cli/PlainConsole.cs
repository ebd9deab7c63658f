using Spectre.Console;

namespace ActorGic.Cli;

/// <summary>A Spectre console for text that tests compare and users pipe: no colour, no ANSI, no prompts, a fixed width.</summary>
internal static class PlainConsole
{
    public static IAnsiConsole Create(TextWriter output, int width)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = width;
        return console;
    }
}
