namespace Kata.Sandbox.Configuration;

/// <summary>configuration.toml is unreadable or wrong; the message names the file, the line and what to change.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}
