using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>The training objective of one batch.</summary>
/// <param name="Loss">Scalar mean over the batch (the value to back-propagate).</param>
/// <param name="PerMolecule">Per-molecule loss [B].</param>
/// <param name="TimeSteps">The integer time t drawn for each molecule.</param>
public sealed record DiffusionLoss(Tensor Loss, Tensor PerMolecule, int[] TimeSteps);
