using Stp.Diffusion;
using TorchSharp;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>A denoiser that predicts zero noise (tests of the loss and of the final draw).</summary>
internal sealed class ZeroDenoiser(int features, int context = 0) : IDenoiser
{
    public nn.Module Module { get; } = nn.Sequential();
    public int FeatureCount => features;
    public int ContextCount => context;
    public DenoiserOutput Predict(DenoiserInput input) => new(zeros_like(input.Positions), zeros_like(input.Features));
}
