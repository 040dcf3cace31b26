using NUnit.Framework;

namespace Stp.Cli.Tests;

/// <summary>
/// The exit-code convention (0 ok, 1 runtime error, 2 usage error) and the one-line error format, in process through
/// <see cref="CliApp.RunAsync"/>.
/// </summary>
[NonParallelizable]
public class ExitCodeTests
{
    /// <summary>A path in the temp folder that does not exist.</summary>
    private static string Missing(string extension) => Path.Combine(Path.GetTempPath(), $"stp-missing-{Guid.NewGuid():N}{extension}");

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRun.Capture(args);

    private static void AssertOneErrorLine(string err, string expected) => CliRun.AssertOneErrorLine(err, expected);

    [TestCase(new[] { "frobnicate" }, "'frobnicate'", "stp", TestName = "UnknownCommand_IsAUsageError")]
    [TestCase(new string[0], "command", "stp", TestName = "NoCommand_IsAUsageError")]
    [TestCase(new[] { "sample", "--checkpoint", "m.stp", "--frobnicate", "3" }, "'--frobnicate'", "stp sample", TestName = "UnknownOption_IsAUsageError")]
    [TestCase(new[] { "sample", "--n", "3" }, "'--checkpoint' is required", "stp sample", TestName = "MissingRequiredOption_IsAUsageError")]
    [TestCase(new[] { "evaluate" }, "'samples'", "stp evaluate", TestName = "MissingRequiredArgument_IsAUsageError")]
    [TestCase(new[] { "sample", "--checkpoint", "m.stp", "--n", "many" }, "'many' for option '--n'", "stp sample", TestName = "NonNumericValue_IsAUsageError")]
    public void ParseErrors_ExitTwo_WithOneLineAndAHelpHint(string[] args, string expected, string command)
    {
        var (code, stdout, err) = Run(args);
        Assert.That(code, Is.EqualTo(2));
        AssertOneErrorLine(err, expected);
        Assert.That(err.TrimEnd(), Does.EndWith($"(see '{command} --help')"));
        Assert.That(stdout, Is.Empty, "no help dump on a usage error");
    }

    [Test]
    public void InvalidOptionValueFoundByTheCommand_IsAUsageError()
    {
        var data = Path.Combine(Path.GetTempPath(), $"stp-one-{Guid.NewGuid():N}.xyz");
        File.WriteAllText(data, "1\n\nH 0 0 0\n");
        try
        {
            var (code, _, err) = Run("scale", "--data", data, "--dataset", "any", "--normalize", "lots", "--out", Missing(".json"));
            Assert.That(code, Is.EqualTo(2));
            AssertOneErrorLine(err, "--normalize: expected 'mean' or an atom count, got 'lots'");
        }
        finally { File.Delete(data); }
    }

    [Test]
    public void MissingInputFile_IsARuntimeError()
    {
        var samples = Missing(".xyz");
        var (code, _, err) = Run("evaluate", samples, "--out", Path.GetTempPath());
        Assert.That(code, Is.EqualTo(1));
        AssertOneErrorLine(err, samples);

        var checkpoint = Missing(".stp");
        (code, _, err) = Run("sample", "--checkpoint", checkpoint, "--threads", "1");
        Assert.That(code, Is.EqualTo(1));
        AssertOneErrorLine(err, checkpoint);
    }

    [TestCase(new[] { "--help" }, "stp: 3D molecule generation")]
    [TestCase(new[] { "sample", "--help" }, "--checkpoint")]
    [TestCase(new[] { "evaluate", "-h" }, "<samples>")]
    public void Help_ExitsZero_EvenWithoutRequiredOptions(string[] args, string expected)
    {
        var (code, stdout, err) = Run(args);
        Assert.That(code, Is.EqualTo(0));
        Assert.That(stdout, Does.Contain("Usage:").And.Contain(expected));
        Assert.That(err, Is.Empty);
    }

    [Test]
    public void UnexpectedException_IsOneLineAndExitOne()
    {
        var (oldErr, stderr) = (Console.Error, new StringWriter());
        Console.SetError(stderr);
        int code, usage;
        try
        {
            code = CliApp.Report(new NullReferenceException("boom\n  frame #0: at::native::something\n  frame #1: ..."));
            usage = CliApp.Report(new AggregateException(new UsageException("--x: bad")));
        }
        finally { Console.SetError(oldErr); }
        Assert.That(code, Is.EqualTo(1));
        Assert.That(usage, Is.EqualTo(2), "a single wrapped exception is reported as itself");
        Assert.That(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.EqualTo(new[] { "stp: unexpected error (NullReferenceException): boom", "stp: --x: bad" }));
    }
}
