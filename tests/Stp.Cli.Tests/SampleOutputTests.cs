using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;
using Stp.Testing;
using static TorchSharp.torch;

namespace Stp.Cli.Tests;

/// <summary>
/// Long sampling survives a failure of one batch: finished batches are on disk as they come (samples.part.xyz/.sdf),
/// the error says how many and where, and a complete run leaves only samples.xyz/.sdf in molecule-id order.
/// </summary>
[NonParallelizable]
public class SampleOutputTests
{
    private const int Steps = 2; // each batch makes Steps + 1 denoiser calls

    private static (DiffusionModel Model, ScriptedDenoiser Denoiser) Model()
    {
        var den = new ScriptedDenoiser(AtomFeatures.Qm9.Count);
        var model = DiffusionModel.Create(den, PriorKind.Unit, null, AtomFeatures.Qm9, new PolynomialSchedule(100));
        model.SizeDistribution = new SizeDistribution(new Dictionary<int, long> { [3] = 1, [5] = 2, [8] = 1 });
        return (model, den);
    }

    private static IReadOnlyList<Molecule> Sample(DiffusionModel model, SampleOutput output, CancellationToken ct = default) =>
        SampleCommand.Run(model, new SamplerOptions { Steps = Steps }, 10, "efficient", 3, seed: 4, CPU, ct, output: output);

    [Test]
    public void AFailureInBatchKKeepsTheEarlierBatchesOnDiskAndSaysHowManyAndWhere()
    {
        using var dir = new TempFolder();
        var (model, den) = Model();
        using var _ = model;
        den.ThrowOnCall = 2 * (Steps + 1); // the first call of batch 3 (of 4: 3 + 3 + 3 + 1 molecules)
        using var output = SampleOutput.Open(dir.Path, replace: false);
        var e = Assert.Throws<InvalidOperationException>(() => Sample(model, output))!;
        var part = dir.File(SampleOutput.PartXyz);
        Assert.That(e.Message, Does.Contain("batch 3 of 4").And.Contain("injected failure").And.Contain($"6 of 10 molecules").And.Contain(part).And.Contain(SampleOutput.PartSdf));
        Assert.That(XyzFile.Read(part).Count(), Is.EqualTo(6), "the two finished batches are on disk");
        Assert.That(SdfFile.Read(dir.File(SampleOutput.PartSdf)), Has.Count.EqualTo(6));
        Assert.That(File.Exists(dir.File(SampleOutput.Xyz)), Is.False, "no final file pretends to be complete");

        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { Assert.That(CliApp.Report(e), Is.EqualTo(CliApp.ExitRuntimeError)); }
        finally { Console.SetError(old); }
        CliRun.AssertOneErrorLine(err.ToString(), "6 of 10 molecules", part);
    }

    [Test]
    public void ACompleteRunWritesTheFinalFilesInIdOrderAndRemovesThePartFiles()
    {
        using var dir = new TempFolder();
        var (model, _) = Model();
        using var m = model;
        IReadOnlyList<Molecule> mols;
        using (var output = SampleOutput.Open(dir.Path, replace: false)) mols = Sample(model, output);
        var xyz = XyzFile.Read(dir.File(SampleOutput.Xyz)).ToList();
        Assert.That(xyz.Select(x => x.Id), Is.EqualTo(Enumerable.Range(0, 10).Select(i => i.ToString())), "molecule-id order, not batch order");
        Assert.That(xyz.Select(x => x.AtomCount), Is.EqualTo(mols.Select(x => x.AtomCount)));
        Assert.That(SdfFile.Read(dir.File(SampleOutput.Sdf)), Has.Count.EqualTo(10));
        Assert.That(File.Exists(dir.File(SampleOutput.PartXyz)) || File.Exists(dir.File(SampleOutput.PartSdf)), Is.False);
        Assert.That(() => SampleOutput.Open(dir.Path, replace: false), Throws.InstanceOf<UsageException>().With.Message.Contains("already holds samples").And.Message.Contains("--force"));
        Assert.That(() => SampleOutput.Open(dir.Path, replace: true).Dispose(), Throws.Nothing);
    }

    [Test]
    public void AnInterruptionIsACancellationThatSaysWhatWasKept()
    {
        using var dir = new TempFolder();
        var (model, _) = Model();
        using var m = model;
        using var cts = new CancellationTokenSource();
        using var output = SampleOutput.Open(dir.Path, replace: false);
        var progress = 0;
        // Cancel once the first batch is on disk: the sampler stops between steps of the second.
        using var watcher = new Timer(_ => { if (File.Exists(dir.File(SampleOutput.PartXyz)) && Interlocked.Increment(ref progress) == 1) cts.Cancel(); }, null, 0, 1);
        var e = Assert.Catch<OperationCanceledException>(() =>
        {
            SampleCommand.Run(model, new SamplerOptions { Steps = 99 }, 400, "efficient", 50, seed: 4, CPU, cts.Token, output: output);
        })!;
        Assert.That(e.Message, Does.StartWith("interrupted in batch").And.Contain("of 400 molecules were finished"));
        int kept = XyzFile.Read(dir.File(SampleOutput.PartXyz)).Count();
        Assert.That(kept, Is.GreaterThan(0));
        Assert.That(kept % 50, Is.EqualTo(0), "whole batches only");
        Assert.That(e.Message, Does.Contain($"{kept} of 400"));
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { Assert.That(CliApp.Report(e), Is.EqualTo(CliApp.ExitInterrupted)); }
        finally { Console.SetError(old); }
        CliRun.AssertOneErrorLine(err.ToString(), "interrupted in batch");
    }
}
