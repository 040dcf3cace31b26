namespace Stp.Training;

/// <summary>Progress report of one training step.</summary>
/// <param name="Step">Steps completed.</param>
/// <param name="Epoch">Current epoch (0-based).</param>
/// <param name="Loss">Loss of this step.</param>
/// <param name="GradNorm">Gradient norm before clipping.</param>
/// <param name="Clipped">Whether the gradient was clipped.</param>
/// <param name="StepSeconds">Wall time of the step.</param>
/// <param name="Skipped">Whether the step was skipped because its loss or gradient was not finite (no update was made).</param>
public sealed record TrainingProgress(long Step, long Epoch, double Loss, double GradNorm, bool Clipped, double StepSeconds, bool Skipped = false);
