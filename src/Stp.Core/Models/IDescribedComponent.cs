namespace Stp.Models;

/// <summary>
/// A denoiser or codec that can describe itself for a model file. Implement it (and register an
/// <see cref="IModelComponentFactory"/>) to make models with your component saveable and loadable by name.
/// </summary>
public interface IDescribedComponent
{
    /// <summary>The description the component's factory rebuilds it from.</summary>
    ComponentDescription Describe();
}
