using Stp.Chemistry;

namespace Stp.Training;

/// <summary>Options of <see cref="DiffusionTrainer"/>. Defaults are EDM's released recipe (FACTS 1.9).</summary>
public sealed class TrainerOptions
{
    private double _lr = 1e-4, _ema = 0.9999, _wd = 1e-12;
    private int _batch = 64, _skip = 20;

    /// <summary>AdamW learning rate (default 1e-4).</summary>
    public double LearningRate { get => _lr; init => _lr = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "must be positive"); }

    /// <summary>AdamW weight decay (default 1e-12).</summary>
    public double WeightDecay { get => _wd; init => _wd = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "must be >= 0"); }

    /// <summary>AMSGrad variant (default true).</summary>
    public bool AmsGrad { get; init; } = true;

    /// <summary>EMA decay beta of the weights (default 0.9999; 0 turns the EMA off).</summary>
    public double EmaDecay { get => _ema; init => _ema = value is >= 0 and < 1 ? value : throw new ArgumentOutOfRangeException(nameof(EmaDecay), value, "must be in [0, 1)"); }

    /// <summary>EDM's adaptive gradient clipping (default true).</summary>
    public bool ClipGradients { get; init; } = true;

    /// <summary>Molecules per training step (default 64).</summary>
    public int BatchSize { get => _batch; init => _batch = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "must be >= 1"); }

    /// <summary>Seed of batch order, time steps and noise (default 0).</summary>
    public long Seed { get; init; }

    /// <summary>
    /// Per-molecule context of a conditional model (one value per context channel, already normalised). Default null:
    /// the model's <see cref="Stp.Diffusion.DiffusionModel.Context"/> normalisation is used when it has one.
    /// </summary>
    public Func<Molecule, float[]>? Context { get; init; }

    /// <summary>
    /// Steps whose loss or gradient norm is not finite are skipped (no optimiser or EMA update; counted and logged) up
    /// to this many since the trainer started or resumed from a checkpoint; one more stops training with a
    /// <see cref="TrainingDivergedException"/> (a resume, say with a lower learning rate, starts a new allowance).
    /// Default 20; 0 stops at the first one.
    /// </summary>
    public int MaxSkippedSteps { get => _skip; init => _skip = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxSkippedSteps), value, "must be >= 0"); }

    /// <summary>
    /// What to do with unusable training molecules (zero atoms, NaN/infinite or implausible coordinates, an element
    /// outside the vocabulary, a size without gamma_N, a bad context): false (default) rejects the set naming the first
    /// one; true skips them, counted in <see cref="DiffusionTrainer.SkippedMolecules"/> with the reason for each.
    /// </summary>
    public bool SkipInvalidMolecules { get; init; }

    /// <summary>Optional learning-rate schedule over steps (default: constant <see cref="LearningRate"/>, as EDM).</summary>
    public ILearningRateSchedule? LearningRateSchedule { get; init; }
}
