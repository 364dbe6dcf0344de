// kata-style-vmm: see hypervisor/README.md for the command line, exit codes and the control API.
return await Kata.Vmm.VmmApplication.RunAsync(args, Console.Out, Console.Error);
