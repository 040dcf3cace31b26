namespace Stp.Metrics.Properties;

/// <summary>Options of <see cref="PredictorTrainer"/>. Defaults are EDM's README command (FACTS 1.11).</summary>
public sealed record PredictorTrainerOptions
{
    /// <summary>Epochs, also the period of the cosine annealing (default 1000). Must be positive.</summary>
    public int Epochs { get; init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(Epochs), value, "Must be positive."); } = 1000;

    /// <summary>Molecules per step (default 96). Must be positive.</summary>
    public int BatchSize { get; init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "Must be positive."); } = 96;

    /// <summary>Adam learning rate (default 5e-4). Must be positive.</summary>
    public double LearningRate { get; init => field = value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "Must be positive."); } = 5e-4;

    /// <summary>Adam weight decay (default 1e-16). Must be >= 0.</summary>
    public double WeightDecay { get; init => field = value >= 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, "Must be >= 0."); } = 1e-16;

    /// <summary>Seed of the epoch shuffles (default 0).</summary>
    public long Seed { get; init; }

    /// <summary>Optional wall-clock budget: training stops after the epoch that exceeds it (default none).</summary>
    public TimeSpan? TimeBudget { get; init; }
}
