// The guest image, its agent and the namespaces these tests use exist on Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
