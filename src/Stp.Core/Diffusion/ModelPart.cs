using static TorchSharp.torch;

namespace Stp.Diffusion;

/// <summary>A trainable part of a <see cref="DiffusionModel"/>; its state-dict keys are prefixed with "<see cref="Name"/>.".</summary>
/// <param name="Name">Key prefix ("denoiser", "codec", ...).</param>
/// <param name="Module">The module.</param>
public sealed record ModelPart(string Name, nn.Module Module);
