using static TorchSharp.torch;

namespace Stp.Objectives;

/// <summary>The training loss of one batch (<see cref="Stp.Diffusion.DiffusionModel.TrainingLoss"/>).</summary>
/// <param name="Loss">Scalar mean over the batch of diffusion + auxiliary loss (the value to back-propagate).</param>
/// <param name="PerMolecule">Per-molecule total loss [B].</param>
/// <param name="Auxiliary">Per-molecule auxiliary (codec) loss [B], or null when the codec has none.</param>
/// <param name="Times">Continuous diffusion time t in [0, 1] of each molecule.</param>
/// <param name="TimeSteps">The integer time t_int = round(t T) of each molecule.</param>
public sealed record DiffusionLoss(Tensor Loss, Tensor PerMolecule, Tensor? Auxiliary, IReadOnlyList<double> Times, int[] TimeSteps);
