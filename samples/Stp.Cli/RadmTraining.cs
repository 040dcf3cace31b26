using System.Globalization;
using Stp.Backbones.Radm;
using Stp.Data;
using Stp.Diffusion;
using Stp.Training;

namespace Stp.Cli;

/// <summary>
/// <c>stp train --backbone radm</c>: RADM's two stages through the same trainer and loop as the other backbones.
/// <c>--stage autoencoder</c> trains the aligner and decoder (RADM's recipe: cosine-annealed learning rate over the
/// run's epochs, no EMA, no gradient clipping; the frozen encoder comes from --seed) into
/// <c>&lt;out&gt;/autoencoder/checkpoint.safetensors</c>; <c>--stage diffusion</c> freezes that autoencoder (or the
/// one named by --autoencoder) and trains a DiT of --dit-size on its latent with --prior on the latent coordinates
/// into <c>&lt;out&gt;/checkpoint.safetensors</c>. Without --stage both run, stage 1 with the first half of --steps
/// (--epochs, --time-budget) and stage 2 with the rest. --resume continues either stage exactly.
/// </summary>
internal static class RadmTraining
{
    public static int Run(RadmTrainRequest q, CancellationToken ct)
    {
        if (q.Steps is null && q.Epochs is null && q.TimeBudget is null) throw new UsageException("Give --steps, --epochs or --time-budget.");
        switch (q.Stage?.ToLowerInvariant())
        {
            case "autoencoder": return Autoencoder(q, ct);
            case "diffusion": return Diffusion(q, ct);
            case null:
                long? s1 = q.Steps is long s ? Math.Max(1, s / 2) : null;
                var first = q with { Steps = s1, Epochs = q.Epochs / 2, TimeBudget = q.TimeBudget / 2 };
                var second = q with { Steps = q.Steps - s1, Epochs = q.Epochs - first.Epochs, TimeBudget = q.TimeBudget - first.TimeBudget };
                Console.WriteLine("RADM stage 1 of 2: the aligning autoencoder");
                int rc = Autoencoder(first, ct);
                if (rc != 0 || ct.IsCancellationRequested) return rc;
                Console.WriteLine("RADM stage 2 of 2: the latent DiT");
                return Diffusion(second, ct);
            default: throw new UsageException($"--stage: unknown stage '{q.Stage}' (autoencoder, diffusion; none runs both).");
        }
    }

    private static int Autoencoder(RadmTrainRequest q, CancellationToken ct)
    {
        if (q.DitSize is not null && q.Stage is not null) Console.WriteLine("--dit-size applies to the diffusion stage; the autoencoder stage carries a frozen tiny DiT only.");
        var folder = AutoencoderFolder(q.Folder);
        Directory.CreateDirectory(folder);
        var ckpt = Path.Combine(folder, RunFolder.Checkpoint);
        var (model, seed) = Resume(q, ckpt, "autoencoder", RadmModel.IsAutoencoderStage);
        bool resuming = model is not null;
        if (model is null)
        {
            var ae = AutoencoderOptions(q);
            // The DiT only rides along (frozen, zero output) so that the file is a whole model; stage 2 builds its own.
            model = RadmModel.CreateAutoencoderStage(q.Features, ae, DitOptions.Tiny(ae.LatentFeatures), q.Device, seed);
            model.SizeDistribution = SizeDistribution.FromMolecules(q.Train);
        }
        using (model)
        {
            var codec = (RadmCodec)model.Codec;
            var (enc, dec, align) = codec.ParameterCounts;
            Console.WriteLine($"Model: RADM autoencoder nf {codec.Options.HiddenFeatures}, decoder {codec.Options.DecoderLayers} layers, latent {codec.LatentFeatureCount}: aligner {align:N0} + decoder {dec:N0} trained, encoder {enc:N0} frozen; device {q.Device}");
            long spe = (q.Train.Count + q.BatchSize - 1) / q.BatchSize;
            long? maxSteps = MaxSteps(q, spe);
            // RADM: CosineAnnealingLR(T_max = epochs) stepped once per epoch, eta_min 1e-6 (QM9) / 1e-5 (GEOM).
            var schedule = maxSteps is long m ? new CosineAnnealingSchedule(Math.Max(1, (m + spe - 1) / spe), q.Dataset == "geom" ? 1e-5 : 1e-6, spe) : null;
            if (schedule is null) Console.WriteLine("Only a time budget: the autoencoder's learning rate stays constant (the cosine schedule needs --steps or --epochs).");
            double? resumedLr = resuming ? TrainerCheckpoint.ReadInfo(ckpt).LearningRate : null;
            var options = new TrainerOptions
            {
                BatchSize = q.BatchSize, LearningRate = q.LearningRate ?? resumedLr ?? TrainingLoop.DefaultLearningRate, EmaDecay = 0, ClipGradients = false,
                Seed = seed, LearningRateSchedule = schedule, MaxSkippedSteps = q.MaxSkippedSteps,
            };
            using var trainer = new DiffusionTrainer(model, q.Train, options, q.Device);
            if (resuming) trainer.LoadCheckpoint(ckpt);
            return TrainingLoop.Run(trainer, new TrainingLoopOptions(folder, ckpt, Metadata(options, q, "autoencoder"), maxSteps, q.TimeBudget, q.CheckpointEvery, 0, q.EvalSamples, q.Dataset, q.Device, resumedLr,
                Request(q, seed), q.TensorBoard), ct);
        }
    }

    private static int Diffusion(RadmTrainRequest q, CancellationToken ct)
    {
        var ckpt = Path.Combine(q.Folder, RunFolder.Checkpoint);
        var (model, seed) = Resume(q, ckpt, "diffusion",
            m => (m.Codec is RadmCodec || m.Codec is Codecs.NormalizedCoordinatesCodec { Inner: RadmCodec }) && !RadmModel.IsAutoencoderStage(m));
        bool resuming = model is not null;
        if (model is null)
        {
            var aePath = q.Autoencoder ?? Path.Combine(q.Folder, "autoencoder", "checkpoint.safetensors");
            if (!File.Exists(aePath) && !File.Exists(aePath + ".safetensors"))
                throw new UsageException($"No RADM autoencoder at {aePath}: train it first (--stage autoencoder) or give --autoencoder.");
            var ae = DiffusionModel.Load(aePath, q.Device);
            if (ae.Codec is not RadmCodec codec) { ae.Dispose(); throw new UsageException($"{aePath} is not a RADM model (its codec is {ae.Codec.GetType().Name})."); }
            // A conditional RADM conditions the DiT only (its tokens carry the context); the autoencoder stays unconditional.
            var want = DitOptions.For(ParseDitSize(q.DitSize ?? "small"), codec.LatentFeatureCount, q.Condition?.Count ?? 0);
            var dit = ae.Denoiser is DitDenoiser d && d.Options == want ? null : new DitDenoiser(want, q.Device, seed);
            Console.WriteLine($"Autoencoder from {aePath} (frozen)");
            model = RadmModel.ToDiffusionStage(ae, q.Prior, q.Prior == PriorKind.Unit ? null : q.Gamma(), dit);
            model.SizeDistribution ??= SizeDistribution.FromMolecules(q.Train);
            if (q.Condition is not null) Conditioning.Attach(model, q.Condition, q.Train, q.ContextStatistics ?? q.Train);
        }
        using (model)
        {
            var dit = (DitDenoiser)model.Denoiser;
            Console.WriteLine($"Model: RADM DiT depth {dit.Options.Depth}, hidden {dit.Options.HiddenSize}, {dit.Options.Heads} heads, {dit.ParameterCount:N0} parameters trained; prior {Common.PriorName(model.Prior)}; device {q.Device}");
            long spe = (q.Train.Count + q.BatchSize - 1) / q.BatchSize;
            double? resumedLr = resuming ? TrainerCheckpoint.ReadInfo(ckpt).LearningRate : null;
            var options = new TrainerOptions
            {
                BatchSize = q.BatchSize, LearningRate = q.LearningRate ?? resumedLr ?? TrainingLoop.DefaultLearningRate, EmaDecay = q.Ema, Seed = seed,
                MaxSkippedSteps = q.MaxSkippedSteps,
            };
            using var trainer = new DiffusionTrainer(model, q.Train, options, q.Device);
            if (resuming) trainer.LoadCheckpoint(ckpt);
            return TrainingLoop.Run(trainer, new TrainingLoopOptions(q.Folder, ckpt, Metadata(options, q, "diffusion"), MaxSteps(q, spe), q.TimeBudget,
                q.CheckpointEvery, q.EvalEvery, q.EvalSamples, q.Dataset, q.Device, resumedLr, Request(q, seed), q.TensorBoard), ct);
        }
    }

    /// <summary>The session's record for a stage's manifest, with the seed the stage trains with (its checkpoint's on a resume).</summary>
    private static RunRequest? Request(RadmTrainRequest q, long seed)
    {
        if (q.Request is null) return null;
        var request = q.Request with { Config = q.Request.Config.DeepClone().AsObject() };
        request.Config["seed"] = seed;
        foreach (var (key, value) in q.Request.Split) request.Split[key] = value?.DeepClone();
        return request;
    }

    /// <summary>Stage 1's run folder, inside the run folder of stage 2.</summary>
    private static string AutoencoderFolder(string folder) => Path.Combine(folder, "autoencoder");

    /// <summary>
    /// <see cref="RunFolder.Claim"/> for the folders of the stages that will run (before any data is loaded): stage 1's
    /// <c>&lt;out&gt;/autoencoder</c>, stage 2's <c>&lt;out&gt;</c> (its run files only; the autoencoder stays). True when one resumes.
    /// </summary>
    public static bool ClaimFolders(string folder, string? stage, bool resume, bool force)
    {
        bool resumes = false;
        if (stage is null || stage.Equals("autoencoder", StringComparison.OrdinalIgnoreCase)) resumes |= RunFolder.Claim(AutoencoderFolder(folder), resume, force);
        if (stage is null || stage.Equals("diffusion", StringComparison.OrdinalIgnoreCase)) resumes |= RunFolder.Claim(folder, resume, force);
        return resumes;
    }

    /// <summary>With --resume and a checkpoint of the right stage: the model and the seed it was trained with; else (null, --seed).</summary>
    private static (DiffusionModel? Model, long Seed) Resume(RadmTrainRequest q, string ckpt, string stage, Func<DiffusionModel, bool> isStage)
    {
        if (!q.Resume) return (null, q.Seed);
        if (!File.Exists(ckpt))
        {
            Console.WriteLine($"No checkpoint at {ckpt}; starting a new {stage} run.");
            return (null, q.Seed);
        }
        var model = DiffusionModel.Load(ckpt, q.Device);
        if (!isStage(model))
        {
            model.Dispose();
            throw new UsageException($"{ckpt} is not a RADM {stage}-stage checkpoint.");
        }
        return (model, TrainerCheckpoint.ReadInfo(ckpt).Seed);
    }

    /// <summary>The autoencoder of --model-size (tiny nf 32 / 2 decoder layers, small 64 / 4, medium 128 / 6, released as RADM), --nf and --layers.</summary>
    internal static RadmAutoencoderOptions AutoencoderOptions(RadmTrainRequest q)
    {
        var o = q.ModelSize.ToLowerInvariant() switch
        {
            "tiny" => RadmAutoencoderOptions.Small(32, 2),
            "small" => RadmAutoencoderOptions.Small(64, 4),
            "medium" => RadmAutoencoderOptions.Small(128, 6),
            "released" => q.Dataset == "geom" ? RadmAutoencoderOptions.Geom : RadmAutoencoderOptions.Qm9,
            var s => throw new UsageException($"--model-size: unknown size '{s}' (tiny, small, medium, released)."),
        };
        try
        {
            return o with
            {
                Network = o.Network with { HiddenFeatures = q.HiddenFeatures ?? o.HiddenFeatures },
                DecoderLayers = q.Layers ?? o.DecoderLayers,
                LatentFeatures = q.ModelSize.Equals("released", StringComparison.OrdinalIgnoreCase) ? o.LatentFeatures : q.Dataset == "geom" ? 2 : 1,
            };
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new UsageException($"--nf / --layers: {e.Message}");
        }
    }

    internal static DitSize ParseDitSize(string s) => s.ToLowerInvariant() switch
    {
        "tiny" => DitSize.Tiny,
        "small" or "s" => DitSize.Small,
        "base" or "b" => DitSize.Base,
        _ => throw new UsageException($"--dit-size: unknown size '{s}' (tiny, small, base)."),
    };

    private static long? MaxSteps(RadmTrainRequest q, long stepsPerEpoch)
    {
        long? max = q.Steps;
        if (q.Epochs is double ep) max = Math.Min(max ?? long.MaxValue, (long)Math.Ceiling(ep * stepsPerEpoch));
        return max;
    }

    private static Dictionary<string, string> Metadata(TrainerOptions options, RadmTrainRequest q, string stage) => new()
    {
        ["data"] = Path.GetFullPath(q.DataPath),
        ["lr"] = options.LearningRate.ToString(CultureInfo.InvariantCulture),
        ["backbone"] = "radm",
        ["stage"] = stage,
    };
}
