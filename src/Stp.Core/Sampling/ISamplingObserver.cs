namespace Stp.Sampling;

/// <summary>
/// Receives the predicted clean sample at every observed reverse step of a sampling run. Used by the
/// generation-target alignment analysis (paper eq. 9) without the sampler knowing about metrics.
/// Tensors are only valid during the call (they live in the step's dispose scope): copy what you keep.
/// </summary>
public interface ISamplingObserver
{
    /// <summary>Whether the observer wants step <paramref name="step"/> (decoding the prediction costs a codec call). Default: every step.</summary>
    bool Observes(int step) => true;

    /// <summary>Called once per observed reverse step, from t = T down to the final step (t = 0).</summary>
    void OnStep(SamplingStep step);
}
