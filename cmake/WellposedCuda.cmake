# The one place where CUDA is decided:
#   WELLPOSED_HAS_CUDA = (WITH_CUDA is ON or AUTO) AND the CUDA toolkit is found.
# Nothing else in the tree tests WITH_CUDA or CUDAToolkit_FOUND. Building the
# kernels needs nvcc only; running them needs a GPU, which the tests detect at
# run time (a missing GPU means "skipped", never "failed").
set(WELLPOSED_HAS_CUDA OFF)
if(WITH_CUDA STREQUAL "ON" OR WITH_CUDA STREQUAL "AUTO")
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  find_package(CUDAToolkit QUIET)
  if(CMAKE_CUDA_COMPILER AND CUDAToolkit_FOUND)
    enable_language(CUDA)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES OR CMAKE_CUDA_ARCHITECTURES STREQUAL "")
      # H100 (sm_90) plus a PTX fallback for newer parts.
      set(CMAKE_CUDA_ARCHITECTURES 90)
    endif()
    set(WELLPOSED_HAS_CUDA ON)
  elseif(WITH_CUDA STREQUAL "ON")
    message(FATAL_ERROR "WITH_CUDA=ON but no CUDA toolkit/nvcc was found")
  endif()
elseif(NOT WITH_CUDA STREQUAL "OFF")
  message(FATAL_ERROR "WITH_CUDA must be AUTO, ON or OFF (got '${WITH_CUDA}')")
endif()
