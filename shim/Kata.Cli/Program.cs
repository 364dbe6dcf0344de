// kata-style: the local OCI runtime command line (see README.md here).
return await Kata.Cli.CliApplication.RunAsync(args);
