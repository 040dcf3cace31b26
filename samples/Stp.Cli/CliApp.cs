using System.CommandLine;

namespace Stp.Cli;

/// <summary>The <c>stp</c> command line: scale, train, sample, evaluate, analyze, export, quickstart.</summary>
public static class CliApp
{
    /// <summary>Builds the command tree.</summary>
    public static RootCommand CreateRoot() => new("stp: 3D molecule generation with diffusion models and Scaling the Prior (StP).")
    {
        QuickstartCommand.Create(),
        ScaleCommand.Create(),
        TrainCommand.Create(),
        SampleCommand.Create(),
        EvaluateCommand.Create(),
        AnalyzeCommand.Create(),
        ExportCommand.Create(),
        ExportCommand.Create("convert"),
    };

    /// <summary>Runs the command line; errors become one line on stderr and a non-zero exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            return await CreateRoot().Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"stp: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or NotSupportedException or InvalidOperationException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"stp: {e.Message}");
            return 1;
        }
    }
}
