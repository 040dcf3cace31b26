namespace Stp.Training;

/// <summary>
/// PyTorch's <c>CosineAnnealingLR</c> (RADM's autoencoder: T_max = epochs, eta_min = 1e-6):
/// lr(k) = eta_min + (base - eta_min) (1 + cos(pi k / T_max)) / 2 with k = step / <see cref="StepsPerUpdate"/>
/// (1 updates every step; steps per epoch updates once per epoch as the reference does); k is capped at T_max.
/// </summary>
public sealed class CosineAnnealingSchedule : ILearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="period">T_max, in updates.</param>
    /// <param name="minimumRate">eta_min.</param>
    /// <param name="stepsPerUpdate">Training steps per update (e.g. steps per epoch).</param>
    public CosineAnnealingSchedule(long period, double minimumRate = 0, long stepsPerUpdate = 1)
    {
        Period = period >= 1 ? period : throw new ArgumentOutOfRangeException(nameof(period), period, "T_max must be at least 1.");
        MinimumRate = minimumRate >= 0 && double.IsFinite(minimumRate) ? minimumRate : throw new ArgumentOutOfRangeException(nameof(minimumRate), minimumRate, "Must be finite and >= 0.");
        StepsPerUpdate = stepsPerUpdate >= 1 ? stepsPerUpdate : throw new ArgumentOutOfRangeException(nameof(stepsPerUpdate), stepsPerUpdate, "Must be at least 1.");
    }

    /// <summary>T_max in updates.</summary>
    public long Period { get; }

    /// <summary>eta_min.</summary>
    public double MinimumRate { get; }

    /// <summary>Training steps per update.</summary>
    public long StepsPerUpdate { get; }

    /// <inheritdoc />
    public double LearningRate(long step, double baseRate)
    {
        long k = Math.Min(step / StepsPerUpdate, Period);
        return MinimumRate + (baseRate - MinimumRate) * (1 + Math.Cos(Math.PI * k / Period)) / 2;
    }
}
