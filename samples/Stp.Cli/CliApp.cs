using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Stp.Cli;

/// <summary>
/// The <c>stp</c> command line: scale, train, sample, train-predictor, evaluate, analyze, export, quickstart. Exit codes:
/// <see cref="ExitOk"/> (0) on success and for <c>--help</c>, <see cref="ExitRuntimeError"/> (1) when a command fails
/// (missing or unreadable file, bad data, any unexpected exception), <see cref="ExitUsageError"/> (2) when the command
/// line is wrong (unknown command or option, missing required option, a value of the wrong type, an invalid option
/// value), <see cref="ExitInterrupted"/> (130) after Ctrl+C (SIGINT) or SIGTERM (a stopped command, whichever signal
/// stopped it, so that a scheduler's requeue logic has one code to test; training saves its checkpoint first, see
/// <see cref="Interrupts"/>). Every error is one line <c>stp: &lt;message&gt;</c> on stderr; no stack trace reaches the user.
/// </summary>
public static class CliApp
{
    /// <summary>Exit code of a successful run (and of <c>--help</c>).</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code of a command that failed while running.</summary>
    public const int ExitRuntimeError = 1;

    /// <summary>Exit code of a command line that could not be used as given.</summary>
    public const int ExitUsageError = 2;

    /// <summary>Exit code of a command stopped by Ctrl+C (SIGINT) or SIGTERM, after it saved what it had.</summary>
    public const int ExitInterrupted = 130;

    /// <summary>Builds the command tree.</summary>
    public static RootCommand CreateRoot() => new("stp: 3D molecule generation with diffusion models and Scaling the Prior (StP).")
    {
        QuickstartCommand.Create(),
        ScaleCommand.Create(),
        TrainCommand.Create(),
        SampleCommand.Create(),
        MergeCommand.Create(),
        CompareCommand.Create(),
        TrainPredictorCommand.Create(),
        EvaluateCommand.Create(),
        AnalyzeCommand.Create(),
        ExportCommand.Create(),
        ExportCommand.Create("convert"),
    };

    /// <summary>Runs the command line and returns its exit code; errors become one line on stderr.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, CancellationToken.None);

    /// <summary>
    /// Runs the command line; <paramref name="cancellationToken"/> stops the command as Ctrl+C does (exit code 130). The
    /// CLI handles SIGINT and SIGTERM itself (<see cref="Interrupts"/>), so System.CommandLine's handler is off.
    /// </summary>
    internal static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        using var interrupts = new Interrupts(cancellationToken);
        try
        {
            var parse = CreateRoot().Parse(args);
            if (parse.Action is ParseErrorAction)
            {
                var names = new List<string> { "stp" };
                for (var r = parse.CommandResult; r.Command is not RootCommand && r.Parent is CommandResult parent; r = parent)
                    names.Insert(1, r.Command.Name);
                return Fail(ExitUsageError, $"{UsageMessage(parse)} (see '{string.Join(" ", names)} --help')");
            }
            int code = await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, interrupts.Token);
            return code == ExitOk && interrupts.Token.IsCancellationRequested ? interrupts.ExitCode : code;
        }
        catch (Exception e)
        {
            return Report(e, interrupts.Token.IsCancellationRequested ? interrupts.ExitCode : ExitRuntimeError);
        }
    }

    /// <summary>
    /// What is wrong with the command line: the first unknown token when there is one (an unknown command also makes
    /// "required command was not provided", which would only distract), otherwise every parse error.
    /// </summary>
    private static string UsageMessage(ParseResult parse)
    {
        var errors = parse.Errors.Select(e => OneLine(e.Message)).Distinct().ToList();
        if (parse.UnmatchedTokens.Count > 0 && errors.FirstOrDefault(m => m.Contains($"'{parse.UnmatchedTokens[0]}'", StringComparison.Ordinal)) is { } unknown)
            return unknown;
        return errors.Count > 0 ? string.Join(" ", errors) : "invalid command line.";
    }

    /// <summary>
    /// The exit code and the one line printed for an exception thrown by a command; a cancellation (Ctrl+C) exits with
    /// <paramref name="cancelledCode"/> and says what was kept when the command said so.
    /// </summary>
    internal static int Report(Exception e, int cancelledCode = ExitInterrupted)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
        return e switch
        {
            UsageException => Fail(ExitUsageError, OneLine(e.Message)),
            OperationCanceledException => Fail(cancelledCode, e.Message == new OperationCanceledException().Message ? "interrupted." : OneLine(e.Message)),
            IOException or InvalidDataException or FormatException or ArgumentException or NotSupportedException
                or InvalidOperationException or UnauthorizedAccessException or KeyNotFoundException => Fail(ExitRuntimeError, OneLine(e.Message)),
            _ => Fail(ExitRuntimeError, $"unexpected error ({e.GetType().Name}): {OneLine(e.Message)}"),
        };
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"stp: {message}");
        return code;
    }

    /// <summary>The first non-empty line of a message (native libraries append backtraces on later lines).</summary>
    private static string OneLine(string message)
    {
        var line = message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0);
        return string.IsNullOrEmpty(line) ? "error without a message." : line;
    }
}
