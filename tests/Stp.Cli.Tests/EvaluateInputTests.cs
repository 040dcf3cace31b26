using NUnit.Framework;

namespace Stp.Cli.Tests;

/// <summary>`stp evaluate` on empty, malformed and mislabelled inputs: never a table of zeros with exit 0.</summary>
[NonParallelizable]
public class EvaluateInputTests
{
    private static int Run(params string[] args) => CliApp.RunAsync(args).GetAwaiter().GetResult();

    [Test]
    public void EmptyInputsAndUnknownDatasetsAreErrors()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"stp-eval-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try
        {
            foreach (var name in new[] { "empty.xyz", "empty.sdf" })
            {
                File.WriteAllText(Path.Combine(dir, name), "");
                Assert.That(Run("evaluate", Path.Combine(dir, name), "--out", dir), Is.EqualTo(1), name);
            }
            Assert.That(err.ToString(), Does.Contain("no molecules"));
            File.WriteAllText(Path.Combine(dir, "one.xyz"), "2\n\nC 0 0 0\nH 1.09 0 0\n");
            Assert.That(Run("evaluate", Path.Combine(dir, "one.xyz"), "--dataset", "foo", "--out", dir), Is.EqualTo(2));
            Assert.That(err.ToString(), Does.Contain("unknown dataset 'foo'"));
            Assert.That(Run("evaluate", Path.Combine(dir, "one.xyz"), "--out", dir), Is.EqualTo(0));
        }
        finally
        {
            Console.SetError(old);
            Directory.Delete(dir, true);
        }
    }
}
