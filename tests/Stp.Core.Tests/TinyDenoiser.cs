using Stp.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>A small per-node MLP denoiser (not equivariant) for trainer tests.</summary>
internal sealed class TinyDenoiser : nn.Module<DenoiserInput, DenoiserOutput>, IDenoiser
{
    private readonly Sequential net;

    public TinyDenoiser(int features, long seed) : base("tiny")
    {
        manual_seed(seed);
        FeatureCount = features;
        net = nn.Sequential(nn.Linear(3 + features + 1, 32), nn.SiLU(), nn.Linear(32, 3 + features));
        RegisterComponents();
    }

    public nn.Module Module => this;
    public int FeatureCount { get; }
    public int ContextCount => 0;
    public DenoiserOutput Predict(DenoiserInput input) => forward(input);

    public override DenoiserOutput forward(DenoiserInput input)
    {
        var t = input.Time.view(-1, 1, 1).expand(input.Positions.shape[0], input.Positions.shape[1], 1);
        var y = net.forward(cat(new[] { input.Positions, input.Features, t }, 2)) * input.NodeMask;
        return new DenoiserOutput(y[.., .., ..3], y[.., .., 3..]);
    }
}
