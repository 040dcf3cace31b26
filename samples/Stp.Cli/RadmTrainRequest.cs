using Stp.Chemistry;
using Stp.Data;
using Stp.Diffusion;
using Stp.Prior;
using static TorchSharp.torch;

namespace Stp.Cli;

/// <summary>The <c>stp train --backbone radm</c> arguments, resolved (data loaded and split, device chosen); LearningRate is null unless --lr was given; ContextStatistics: the molecules of the context's mean and MAD (default Train).</summary>
internal sealed record RadmTrainRequest(
    string Dataset, AtomFeatures Features, IReadOnlyList<Molecule> Train, string DataPath, string Folder, Device Device,
    string? Stage, string? DitSize, string ModelSize, int? HiddenFeatures, int? Layers, PriorKind Prior, Func<PriorScaleTable?> Gamma,
    int BatchSize, long? Steps, double? Epochs, TimeSpan? TimeBudget, double? LearningRate, double Ema, bool Resume, string? Autoencoder,
    int CheckpointEvery, int EvalEvery, int EvalSamples, int MaxSkippedSteps, long Seed, IReadOnlyList<string>? Condition = null,
    RunRequest? Request = null, bool TensorBoard = true, IReadOnlyList<Molecule>? ContextStatistics = null);
