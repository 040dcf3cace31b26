using NUnit.Framework;
using Stp.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>The trainer's AdamW / Adam (rooted scalars, data-only state) computes what TorchSharp's / PyTorch's computes.</summary>
public class AdamWTests
{
    [TestCase(true, 1e-12, true)]
    [TestCase(false, 0.01, true)]
    [TestCase(false, 0.01, false)]
    [TestCase(false, 1e-16, false)]
    public void MatchesTorchSharpBitForBit(bool amsgrad, double weightDecay, bool decoupled)
    {
        manual_seed(1);
        var a = nn.Sequential(nn.Linear(5, 7), nn.SiLU(), nn.Linear(7, 3));
        var b = nn.Sequential(nn.Linear(5, 7), nn.SiLU(), nn.Linear(7, 3));
        using (no_grad()) foreach (var (pa, pb) in a.parameters().Zip(b.parameters())) pb.copy_(pa);
        // decoupled: AdamW; otherwise Adam with the L2 term added to the gradient (the property predictor's optimiser).
        optim.Optimizer reference = decoupled
            ? optim.AdamW(a.parameters(), lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay, amsgrad: amsgrad)
            : optim.Adam(a.parameters(), lr: 3e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay, amsgrad: amsgrad);
        var named = b.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        using var ours = new AdamWOptimizer(named, 3e-3, 0.9, 0.999, 1e-8, weightDecay, amsgrad, decoupled);
        for (int step = 0; step < 8; step++)
        {
            var x = randn(16, 5);
            reference.zero_grad(); ours.ZeroGrad();
            a.call(x).pow(2).mean().backward();
            b.call(x).pow(2).mean().backward();
            reference.step(); ours.Step();
        }
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
            Assert.That(pb.data<float>().ToArray(), Is.EqualTo(pa.data<float>().ToArray()));
        Assert.That(ours.StepCount, Is.EqualTo(8));
    }
}
