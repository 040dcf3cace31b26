using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Metrics.Properties.Modules;

/// <summary>EDM's 'naive' baseline (<c>Naive</c>): linear(0), one learnt constant for every molecule.</summary>
internal sealed class ConstantRegressor : PredictorNetwork
{
    private readonly Linear linear;

    public ConstantRegressor() : base("Naive")
    {
        linear = nn.Linear(1, 1);
        register_module("linear", linear);
    }

    public override Tensor Forward(PredictorBatch batch)
    {
        using var scope = NewDisposeScope();
        using var x = zeros(batch.Count, 1, device: batch.SizeFraction.device);
        return linear.call(x).squeeze(1).MoveToOuterDisposeScope();
    }
}
