using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Cli.Tests;

/// <summary>Two fresh `stp train` runs with the same seed are the same run (weight initialisation included).</summary>
[NonParallelizable]
public class DeterminismCliTests
{
    [Test]
    public void TwoFreshRunsWithTheSameSeedGiveIdenticalLogsAndSamples()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"stp-det-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var r = new Random(4);
            var mols = Enumerable.Range(0, 12).Select(i =>
            {
                int n = 3 + i % 3;
                return new Molecule(Enumerable.Range(0, n).Select(a => a == 0 ? 6 : 1).ToArray(), Enumerable.Range(0, 3 * n).Select(_ => r.NextDouble()).ToArray());
            }).ToList();
            var data = Path.Combine(dir, "d.xyz");
            XyzFile.Write(data, mols);
            string[] Log(string run)
            {
                Assert.That(CliApp.RunAsync(new[] { "train", "--data", data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "4", "--steps", "4",
                    "--seed", "7", "--out", Path.Combine(dir, run), "--eval-every", "0", "--threads", "1" }).GetAwaiter().GetResult(), Is.EqualTo(0));
                // step, epoch, loss, grad_norm, clipped (the wall time of the step differs)
                return File.ReadAllLines(Path.Combine(dir, run, "train_log.csv")).Select(l => string.Join(",", l.Split(',').Take(5))).ToArray();
            }
            var a = Log("a");
            var b = Log("b");
            Assert.That(a, Has.Length.EqualTo(5));
            Assert.That(b, Is.EqualTo(a));
            foreach (var run in new[] { "a", "b" })
                Assert.That(CliApp.RunAsync(new[] { "sample", "--checkpoint", Path.Combine(dir, run, "checkpoint.safetensors"), "--n", "3", "--steps", "10",
                    "--out", Path.Combine(dir, run, "s"), "--threads", "1" }).GetAwaiter().GetResult(), Is.EqualTo(0));
            Assert.That(File.ReadAllText(Path.Combine(dir, "b", "s", "samples.xyz")), Is.EqualTo(File.ReadAllText(Path.Combine(dir, "a", "s", "samples.xyz"))));
        }
        finally { try { Directory.Delete(dir, true); } catch (IOException) { } }
    }
}
