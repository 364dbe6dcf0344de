namespace Kata.Shim.Manager;

/// <summary>What containerd asked the binary to do (the last word of its command line).</summary>
public enum ShimAction
{
    /// <summary>No action word: serve the Task API on the listening socket inherited as fd 3.</summary>
    Daemon,
    /// <summary>`start`: launch (or find) the pod's shim daemon and print its address.</summary>
    Start,
    /// <summary>`delete`: clean up after a shim that is gone, print a DeleteResponse.</summary>
    Delete,
    /// <summary>`-v`: print the version.</summary>
    Version,
}
