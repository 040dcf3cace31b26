namespace Stp.Training;

/// <summary>A learning rate that changes with the training step (set before every optimiser step).</summary>
public interface ILearningRateSchedule
{
    /// <summary>The learning rate of step <paramref name="step"/> (0-based) for the base rate <paramref name="baseRate"/>.</summary>
    double LearningRate(long step, double baseRate);
}
