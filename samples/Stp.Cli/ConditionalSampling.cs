using System.Globalization;
using Stp.Data;
using Stp.Diffusion;
using Stp.Sampling;
using static TorchSharp.torch;

namespace Stp.Cli;

/// <summary>EDM's qualitative sweep (<c>sample_sweep_conditional</c>): one size, the same noise for every frame, the property linearly spaced over that size's range.</summary>
internal static class ConditionalSampling
{
    /// <summary>The normalised contexts of a sweep of <paramref name="property"/> (the model's other properties at their mean).</summary>
    public static float[][] SweepContexts(DiffusionModel model, string property, int size, int frames)
    {
        var ctx = model.Context ?? throw new UsageException("--sweep needs a conditional model (trained with --condition).");
        if (!ctx.Names.Contains(property)) throw new UsageException($"--sweep: the model is conditioned on {string.Join(", ", ctx.Names)}, not '{property}'.");
        if (frames < 2) throw new UsageException("--frames must be at least 2.");
        var p = model.PropertyDistribution ?? throw new InvalidDataException("The model file has no p(c | N) to take the sweep's range from.");
        var h = p.Histogram(property, size);
        return Enumerable.Range(0, frames).Select(f =>
        {
            double v = h.Min + (h.Max - h.Min) * f / (frames - 1);
            return ctx.Names.Select((n, i) => n == property ? (float)((v - ctx.Means[i]) / ctx.Mads[i]) : 0f).ToArray();
        }).ToArray();
    }

    /// <summary>The sweep's trajectory file in <paramref name="folder"/>, checked before anything is loaded: writable, and not replacing an earlier sweep unless <paramref name="replace"/> (--force).</summary>
    public static string CheckOutput(string folder, string property, int size, bool replace)
    {
        var name = $"sweep_{property}_N{size}.xyz";
        OptionChecks.OutputFolder("--out", folder, name);
        var path = Path.Combine(folder, name);
        if (File.Exists(path) && !replace) throw new UsageException($"--out: {path} already exists; choose another folder or give --force to replace it.");
        return path;
    }

    /// <summary>Samples the sweep and writes it to <paramref name="path"/> (from <see cref="CheckOutput"/>).</summary>
    public static void Sweep(DiffusionModel model, SamplerOptions options, string property, int size, int frames, int batchSize, long seed, string path, Device device, CancellationToken ct)
    {
        var contexts = SweepContexts(model, property, size, frames);
        var sizes = Enumerable.Repeat(size, frames).ToArray();
        var plan = SamplingPlan.Efficient(sizes, batchSize, contexts: contexts);
        IProgress<SamplingProgress>? report = null;
        var sampler = new DiffusionSampler(model, options with { FixedNoise = true }) { StepProgress = new SyncProgress<SamplingProgress>(s => report?.Report(s)) };
        IReadOnlyList<Stp.Chemistry.Molecule> mols;
        using (var progress = SampleCommand.StepProgress(plan, sampler, out report, "sampling the sweep"))
        {
            mols = sampler.Sample(plan, seed, device, cancellationToken: ct);
            progress.Complete($"{mols.Count}/{frames} frames");
        }
        XyzFile.Write(path, mols);
        var first = mols[0].Properties[property];
        var last = mols[^1].Properties[property];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Sweep of {property} from {first} to {last} ({Qm9Properties.Find(property).Unit}) over {frames} frames of {size} atoms with fixed noise: wrote {path}"));
    }
}
