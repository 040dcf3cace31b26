using System.Text.Json;
using Stp.Data;
using Stp.Models;
using static TorchSharp.torch;

namespace Stp.Training;

/// <summary>
/// Training checkpoints: a model file (EMA weights "part.name", the model description when every part can describe
/// itself) plus the live weights ("raw.part.name"), the optimizer state and the trainer state (step, seed,
/// clipping history, learning rate) in the header metadata. Written atomically; data only.
/// </summary>
internal static class TrainerCheckpoint
{
    /// <summary>The trainer state in the header. <c>LearningRate</c> is the rate of the next step (after a schedule), <c>BaseLearningRate</c> the trainer's option (absent before Stp 0.3: then the same as LearningRate).</summary>
    private sealed record State(long Step, long Seed, double[] ClipHistory, double LearningRate, long OptimizerSteps, long SkippedSteps = 0, double? BaseLearningRate = null);

    /// <summary>What a checkpoint says about its run: steps done, seed, and the learning rate it was trained with (<see cref="TrainerOptions.LearningRate"/>).</summary>
    public sealed record Info(long Step, long Seed, double LearningRate);

    /// <summary>The trainer state as stored: every field nullable, so that a missing one is reported, not read as zero.</summary>
    private sealed record StoredState(long? Step, long? Seed, double[]? ClipHistory, double? LearningRate, long? OptimizerSteps, long? SkippedSteps, double? BaseLearningRate = null);

    /// <summary>Reads and checks the trainer state of a checkpoint's metadata.</summary>
    /// <exception cref="DataFileException">Missing, not JSON, a missing field or an impossible value; the message names the file and field.</exception>
    private static State ReadState(IReadOnlyDictionary<string, string> meta, string weights)
    {
        if (!meta.TryGetValue(ModelFile.TrainerKey, out var json)) throw new DataFileException(weights, "not a training checkpoint (no trainer state)");
        StoredState? s;
        try { s = JsonSerializer.Deserialize<StoredState>(json); }
        catch (JsonException e) { throw new DataFileException(weights, $"corrupt trainer state (truncated or wrong value near {e.Path ?? "the start"})", inner: e); }
        DataFileException Missing(string field) => new(weights, $"the trainer state has no '{field}'");
        if (s is null) throw new DataFileException(weights, "empty trainer state");
        long step = s.Step ?? throw Missing("Step");
        long seed = s.Seed ?? throw Missing("Seed");
        var clip = s.ClipHistory is { Length: > 0 } c ? c : throw Missing("ClipHistory");
        double lr = s.LearningRate ?? throw Missing("LearningRate");
        long optimizerSteps = s.OptimizerSteps ?? throw Missing("OptimizerSteps");
        long skipped = s.SkippedSteps ?? 0; // absent in checkpoints written before step skipping
        if (step < 0 || optimizerSteps < 0 || skipped < 0 || skipped > step)
            throw new DataFileException(weights, $"impossible trainer state (step {step}, optimizer steps {optimizerSteps}, skipped {skipped})");
        if (!(double.IsFinite(lr) && lr >= 0)) throw new DataFileException(weights, $"impossible learning rate {lr} in the trainer state");
        if (s.BaseLearningRate is double blr && !(double.IsFinite(blr) && blr > 0)) throw new DataFileException(weights, $"impossible base learning rate {blr} in the trainer state");
        if (clip.Any(v => !(double.IsFinite(v) && v >= 0)))
            throw new DataFileException(weights, "the trainer state's clipping history holds a negative or non-finite gradient norm");
        return new State(step, seed, clip, lr, optimizerSteps, skipped, s.BaseLearningRate);
    }

    public static void Save(DiffusionTrainer trainer, string path, IReadOnlyDictionary<string, string>? metadata)
    {
        var model = trainer.Model;
        var tensors = ModelFile.Weights(model);
        foreach (var (name, p) in trainer.Parameters)
        {
            tensors[ModelFile.RawPrefix + name] = p;
            if (trainer.EmaWeights.TryGetValue(name, out var e)) tensors[name] = e;
        }
        foreach (var (key, value) in trainer.Optimizer.State()) tensors[ModelFile.OptimizerPrefix + key] = value;
        var meta = new Dictionary<string, string>
        {
            [ModelFile.FormatKey] = "checkpoint",
            [ModelFile.TrainerKey] = JsonSerializer.Serialize(new State(trainer.Step, trainer.Options.Seed, trainer.Clipper.History.ToArray(), trainer.CurrentLearningRate, trainer.Optimizer.StepCount, trainer.SkippedSteps, trainer.Options.LearningRate)),
            [ModelFile.UserKey] = JsonSerializer.Serialize(metadata ?? new Dictionary<string, string>()),
        };
        string? description = null;
        try { description = ModelDescription.Of(model).ToJson(indented: false); }
        catch (NotSupportedException) { /* a custom part without a description: the checkpoint resumes but does not load as a model */ }
        if (description is not null) meta[ModelFile.ModelKey] = description;
        var weights = ModelFile.WeightsPath(path);
        SafetensorsFile.Write(weights, tensors, meta);
        if (description is not null) AtomicFile.WriteAllText(Path.ChangeExtension(weights, ".json"), ModelDescription.FromJson(description, weights).ToJson());
    }

    /// <summary>The step, seed (a resumed run must use it) and learning rate of a checkpoint, read from its header alone.</summary>
    public static Info ReadInfo(string path)
    {
        var weights = ModelFile.WeightsPath(path);
        if (!File.Exists(weights)) throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        var state = ReadState(SafetensorsFile.ReadMetadata(weights), weights);
        return new Info(state.Step, state.Seed, state.BaseLearningRate ?? state.LearningRate);
    }

    public static (long Step, long SkippedSteps, double[] ClipHistory, double LearningRate, IReadOnlyDictionary<string, string> Metadata) Load(DiffusionTrainer trainer, string path)
    {
        var weights = ModelFile.WeightsPath(path);
        if (!File.Exists(weights)) throw new FileNotFoundException($"Checkpoint not found: {path}", path);
        if (LegacyModelFile.IsLegacy(weights))
            throw new DataFileException(weights, "was written by Stp 0.1; it loads as a model (DiffusionModel.Load, stp export) but cannot resume training");
        var (meta, tensors) = SafetensorsFile.Read(weights);
        try
        {
            if (meta.GetValueOrDefault(ModelFile.FormatKey) != "checkpoint")
                throw new DataFileException(weights, "an inference-only model file (no optimizer state); it cannot resume training");
            var state = ReadState(meta, weights);
            if (state.Seed != trainer.Options.Seed)
                throw new DataFileException(weights, $"was trained with seed {state.Seed}, the trainer has seed {trainer.Options.Seed}; resume with the same seed");
            var raw = tensors.Where(kv => kv.Key.StartsWith(ModelFile.RawPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[ModelFile.RawPrefix.Length..], kv => kv.Value, StringComparer.Ordinal);
            // Live weights: the raw entries of parameters, the model entries of buffers.
            var live = tensors.Where(kv => !kv.Key.StartsWith(ModelFile.RawPrefix, StringComparison.Ordinal) && !kv.Key.StartsWith(ModelFile.OptimizerPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => raw.GetValueOrDefault(kv.Key, kv.Value), StringComparer.Ordinal);
            foreach (var part in trainer.Model.Parts) StateDict.Load(part.Module, live, part.Name + ".", weights);
            foreach (var (name, _) in trainer.Parameters)
                if (trainer.EmaWeights.TryGetValue(name, out var e) && !(tensors.TryGetValue(name, out var saved) && saved.shape.SequenceEqual(e.shape)))
                    throw new DataFileException(weights, $"no EMA weights of shape [{string.Join(", ", e.shape)}]", $"entry '{name}'");
            using (var noGrad = no_grad())
                foreach (var (name, _) in trainer.Parameters)
                    if (trainer.EmaWeights.TryGetValue(name, out var e)) e.copy_(tensors[name]);
            trainer.Optimizer.Load(tensors, ModelFile.OptimizerPrefix, state.OptimizerSteps, weights);
            var user = JsonSerializer.Deserialize<Dictionary<string, string>>(meta.GetValueOrDefault(ModelFile.UserKey, "{}")) ?? new();
            return (state.Step, state.SkippedSteps, state.ClipHistory, state.BaseLearningRate ?? state.LearningRate, user);
        }
        catch (JsonException e)
        {
            throw new DataFileException(weights, "corrupt caller metadata (not a JSON object of strings)", inner: e);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
