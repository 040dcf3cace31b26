using Stp.Data;
using Stp.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stp.Training;

/// <summary>
/// AdamW (with AMSGrad) exactly as PyTorch / TorchSharp compute it, operation for operation:
/// p *= 1 - lr wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; v_max = max(v_max, v);
/// p -= lr / (1 - b1^k) * m / (sqrt(v_max) / sqrt(1 - b2^k) + eps). With <c>decoupledWeightDecay: false</c> it is
/// PyTorch's Adam instead (the L2 term is added to the gradient, g += wd p, and p is not decayed). Two differences: every .NET number is passed as a
/// rooted Scalar (<see cref="ScalarOps"/>: TorchSharp's own optimizer creates temporaries the GC can free during the
/// native call), and the state is named tensors, saved data-only in checkpoints.
/// </summary>
internal sealed class AdamWOptimizer : IDisposable
{
    private readonly IReadOnlyList<(string Name, Parameter Param)> _params;
    private readonly Dictionary<string, (Tensor M, Tensor V, Tensor? VMax)> _state = new(StringComparer.Ordinal);

    public AdamWOptimizer(IReadOnlyList<(string Name, Parameter Param)> parameters, double learningRate, double beta1, double beta2,
        double eps, double weightDecay, bool amsGrad, bool decoupledWeightDecay = true)
    {
        _params = parameters;
        LearningRate = learningRate; Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay; AmsGrad = amsGrad;
        DecoupledWeightDecay = decoupledWeightDecay;
        using var noGrad = no_grad();
        foreach (var (name, p) in parameters)
            _state[name] = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope(), amsGrad ? zeros_like(p).DetachFromDisposeScope() : null);
    }

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }
    public bool AmsGrad { get; }
    /// <summary>True: AdamW (p *= 1 - lr wd). False: Adam's L2 penalty (g += wd p).</summary>
    public bool DecoupledWeightDecay { get; }

    /// <summary>Optimiser steps taken (PyTorch's per-parameter 'step'; all parameters step together here).</summary>
    public long StepCount { get; private set; }

    public void ZeroGrad()
    {
        foreach (var (_, p) in _params)
        {
            var g = p.grad;
            if (g is null) continue;
            using (g) g.zero_();
        }
    }

    public void Step()
    {
        using var noGrad = no_grad();
        StepCount++;
        double bc1 = 1 - Math.Pow(Beta1, StepCount), bc2 = 1 - Math.Pow(Beta2, StepCount);
        using var decay = (1 - LearningRate * WeightDecay).ToScalar();
        using var l2 = WeightDecay.ToScalar();
        using var b1 = Beta1.ToScalar();
        using var oneMinusB1 = (1 - Beta1).ToScalar();
        using var b2 = Beta2.ToScalar();
        using var oneMinusB2 = (1 - Beta2).ToScalar();
        using var sqrtBc2 = Math.Sqrt(bc2).ToScalar();
        using var eps = Eps.ToScalar();
        using var negStep = (-LearningRate / bc1).ToScalar();
        foreach (var (name, p) in _params)
        {
            using var rawGrad = p.grad;
            if (rawGrad is null) continue;
            var (m, v, vmax) = _state[name];
            using var coupled = DecoupledWeightDecay || WeightDecay == 0 ? null : rawGrad.add(p, l2);
            var grad = coupled ?? rawGrad;
            if (DecoupledWeightDecay) p.mul_(decay);
            m.mul_(b1).add_(grad, oneMinusB1);
            v.mul_(b2).addcmul_(grad, grad, oneMinusB2);
            Tensor second = v;
            if (vmax is not null)
            {
                using var max = maximum(vmax, v);
                vmax.copy_(max);
                second = vmax;
            }
            using var root = second.sqrt();
            using var denom = root.div(sqrtBc2).add_(eps, ScalarOps.One);
            p.addcdiv_(m, denom, negStep);
        }
    }

    /// <summary>The state as named tensors ("m.name", "v.name", "vmax.name"); they stay owned by the optimiser.</summary>
    public IEnumerable<(string Key, Tensor Value)> State()
    {
        foreach (var (name, (m, v, vmax)) in _state)
        {
            yield return ("m." + name, m);
            yield return ("v." + name, v);
            if (vmax is not null) yield return ("vmax." + name, vmax);
        }
    }

    /// <summary>Restores the state written by <see cref="State"/> (throws naming a missing or mis-shaped entry).</summary>
    public void Load(IReadOnlyDictionary<string, Tensor> values, string prefix, long stepCount, string source)
    {
        using var noGrad = no_grad();
        foreach (var (name, (m, v, vmax)) in _state)
            foreach (var (key, target) in new[] { ("m." + name, m), ("v." + name, v), ("vmax." + name, vmax) })
            {
                if (target is null) continue;
                if (!values.TryGetValue(prefix + key, out var value))
                    throw new DataFileException(source, $"the optimizer state has no entry '{prefix + key}'");
                if (!value.shape.SequenceEqual(target.shape))
                    throw new DataFileException(source, $"optimizer entry '{prefix + key}' has shape [{string.Join(", ", value.shape)}], expected [{string.Join(", ", target.shape)}]");
                target.copy_(value);
            }
        StepCount = stepCount;
    }

    public void Dispose()
    {
        foreach (var (m, v, vmax) in _state.Values) { m.Dispose(); v.Dispose(); vmax?.Dispose(); }
    }
}
