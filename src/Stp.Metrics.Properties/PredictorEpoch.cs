namespace Stp.Metrics.Properties;

/// <summary>One finished epoch of <see cref="PredictorTrainer"/>.</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="LearningRate">The learning rate it trained with.</param>
/// <param name="TrainLoss">Mean L1 loss on normalised targets.</param>
/// <param name="ValidationMae">MAE on the validation molecules (EDM unit).</param>
/// <param name="IsBest">Whether this epoch's weights are the best so far (kept).</param>
/// <param name="Seconds">Wall-clock seconds of the epoch, validation included.</param>
public sealed record PredictorEpoch(int Epoch, double LearningRate, double TrainLoss, double ValidationMae, bool IsBest, double Seconds);
