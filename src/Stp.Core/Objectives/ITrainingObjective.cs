using Stp.Diffusion;

namespace Stp.Objectives;

/// <summary>
/// A training objective on the clean latent of a batch: draws times and noise from the run's
/// <see cref="MoleculeNoise"/> (which applies gamma_N), calls the denoiser through the model and returns the
/// per-molecule loss. EDM's l2 epsilon objective is <see cref="EpsilonObjective"/>; x0- or velocity-target objectives
/// and continuous-time draws (flow matching) are further implementations.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Short name stored in model files (e.g. "epsilon").</summary>
    string Name { get; }

    /// <summary>What the trained denoiser predicts (default <see cref="PredictionTarget.Noise"/>); samplers check it.</summary>
    PredictionTarget Target => PredictionTarget.Noise;

    /// <summary>The per-molecule loss of one batch.</summary>
    ObjectiveLoss Loss(DiffusionModel model, ObjectiveInput input);
}
