namespace Stp.Training;

/// <summary>
/// Thrown by <see cref="DiffusionTrainer.TrainStep"/> when more steps than <see cref="TrainerOptions.MaxSkippedSteps"/>
/// had a non-finite loss or gradient norm since the trainer started or resumed. The weights are those of the last
/// finite step (skipped steps change nothing), but a run that diverges this often needs a lower learning rate: resume
/// from the last checkpoint with one.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception for the step that passed the limit.</summary>
    public TrainingDivergedException(long step, double loss, double gradientNorm, long skippedInSession, int limit)
        : base($"Training diverged: step {step} has loss {loss} and gradient norm {gradientNorm}: {skippedInSession} steps with a non-finite loss or gradient since the trainer started or resumed, more than the limit of {limit}. Resume from the last checkpoint with a lower learning rate, or allow more skipped steps (TrainerOptions.MaxSkippedSteps).")
    {
        Step = step; Loss = loss; GradientNorm = gradientNorm; SkippedInSession = skippedInSession; Limit = limit;
    }

    /// <summary>The step that passed the limit (1-based, as in <see cref="TrainingProgress.Step"/>).</summary>
    public long Step { get; }

    /// <summary>Its loss.</summary>
    public double Loss { get; }

    /// <summary>Its gradient norm (NaN when the loss was not finite and no backward pass ran).</summary>
    public double GradientNorm { get; }

    /// <summary>Non-finite steps since the trainer started or resumed, this one included.</summary>
    public long SkippedInSession { get; }

    /// <summary>The limit, <see cref="TrainerOptions.MaxSkippedSteps"/>.</summary>
    public int Limit { get; }
}
