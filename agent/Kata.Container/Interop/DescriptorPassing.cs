namespace Kata.Container.Interop;

/// <summary>Sends and receives one file descriptor over a Unix socket as SCM_RIGHTS ancillary data (unix(7)), carried
/// by a single payload byte.</summary>
internal static unsafe class DescriptorPassing
{
    // CMSG_SPACE(sizeof(int)) on x86_64: a 16-byte cmsghdr plus the int, aligned to 8.
    private const int ControlBytes = 24;
    private const int HeaderBytes = 16;

    public static void Send(int socket, int descriptor)
    {
        byte payload = 0;
        var vector = new IoVector { Base = &payload, Length = 1 };
        var control = stackalloc byte[ControlBytes];
        new Span<byte>(control, ControlBytes).Clear();
        *(ulong*)control = HeaderBytes + sizeof(int); // cmsg_len = CMSG_LEN(sizeof(int))
        *(int*)(control + 8) = LinuxConstants.SOL_SOCKET;
        *(int*)(control + 12) = LinuxConstants.SCM_RIGHTS;
        *(int*)(control + HeaderBytes) = descriptor;
        var message = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = ControlBytes };
        while (Libc.SendMsg(socket, &message, 0) < 0)
        {
            if (Errno.Last != Errno.EINTR)
            {
                throw new SyscallException("sendmsg (SCM_RIGHTS)", Errno.Last, $"socket {socket}");
            }
        }
    }

    /// <summary>Receives a descriptor (close-on-exec) sent with <see cref="Send"/>.</summary>
    public static FileDescriptor Receive(int socket)
    {
        byte payload;
        var vector = new IoVector { Base = &payload, Length = 1 };
        var control = stackalloc byte[ControlBytes];
        new Span<byte>(control, ControlBytes).Clear();
        var message = new MessageHeader { Vectors = &vector, VectorCount = 1, Control = control, ControlLength = ControlBytes };
        nint received;
        while ((received = Libc.RecvMsg(socket, &message, LinuxConstants.MSG_CMSG_CLOEXEC)) < 0)
        {
            if (Errno.Last != Errno.EINTR)
            {
                throw new SyscallException("recvmsg (SCM_RIGHTS)", Errno.Last, $"socket {socket}");
            }
        }
        if (received != 1 || message.ControlLength < HeaderBytes + sizeof(int)
            || *(int*)(control + 8) != LinuxConstants.SOL_SOCKET || *(int*)(control + 12) != LinuxConstants.SCM_RIGHTS)
        {
            throw new InvalidDataException($"expected a descriptor on socket {socket}, got {received} bytes without one");
        }
        return new FileDescriptor(*(int*)(control + HeaderBytes));
    }
}
