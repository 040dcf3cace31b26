using Stp.Diffusion;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Cli.Tests;

/// <summary>
/// A tiny trainable denoiser (one linear map of the coordinates) with scripted faults: it throws in its
/// <see cref="ThrowOnCall"/>-th call, and returns NaN from its <see cref="NaNFromCall"/>-th call on (calls counted from 0).
/// </summary>
internal sealed class ScriptedDenoiser : nn.Module<DenoiserInput, DenoiserOutput>, IDenoiser
{
    private readonly Linear lin;
    private int _calls;

    public ScriptedDenoiser(int features) : base("scripted")
    {
        manual_seed(1);
        FeatureCount = features;
        lin = nn.Linear(3, 3 + features);
        using (no_grad()) { lin.weight!.zero_(); lin.bias!.zero_(); } // predicts zero noise until trained: samples stay near the prior
        RegisterComponents();
    }

    public int ThrowOnCall { get; set; } = -1;
    public int NaNFromCall { get; set; } = -1;
    public nn.Module Module => this;
    public int FeatureCount { get; }
    public int ContextCount => 0;
    public DenoiserOutput Predict(DenoiserInput input) => forward(input);

    public override DenoiserOutput forward(DenoiserInput input)
    {
        int call = _calls++;
        if (call == ThrowOnCall) throw new InvalidOperationException($"injected failure in call {call}");
        var y = lin.forward(input.Positions) * input.NodeMask;
        if (NaNFromCall >= 0 && call >= NaNFromCall) y = y * float.NaN;
        return new DenoiserOutput(y[.., .., ..3], y[.., .., 3..]);
    }
}
